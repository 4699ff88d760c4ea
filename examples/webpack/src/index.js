import "billcom-connection/element";

document.querySelector("billcom-connection-form").addEventListener("billcom-saved", (e) => {
  document.getElementById("saved").textContent = `Saved connection ${e.detail.connection.id}.`;
});
