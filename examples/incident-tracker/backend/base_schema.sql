CREATE TABLE IF NOT EXISTS incidents (
    id serial PRIMARY KEY,
    title text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO incidents (title) VALUES ('Example incident');
