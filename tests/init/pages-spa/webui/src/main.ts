document.getElementById("widgets").textContent = "widgets";
