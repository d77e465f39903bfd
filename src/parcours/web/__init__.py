"""Server-rendered pages (Jinja2); the console grows here."""
