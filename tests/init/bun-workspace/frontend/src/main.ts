document.getElementById("root").textContent = "Tracker"
