document.getElementById("root").textContent = "Incident Tracker (SPA)";
