// Stand-in for the Incident Tracker React frontend: lists incidents from the API, whose base
// URL Vite bakes in at build time (VITE_API_URL).
import { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

const api = import.meta.env.VITE_API_URL;

function Incidents() {
  const [incidents, setIncidents] = useState([]);
  useEffect(() => {
    fetch(`${api}/incidents`)
      .then((r) => r.json())
      .then(setIncidents);
  }, []);
  return (
    <ul>
      {incidents.map((i) => (
        <li key={i.id}>{i.title}</li>
      ))}
    </ul>
  );
}

createRoot(document.getElementById("root")).render(<Incidents />);
