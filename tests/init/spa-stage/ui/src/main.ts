document.getElementById("app").textContent = "board";
