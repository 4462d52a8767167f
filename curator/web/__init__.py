"""The browser app (issue 14): routes, templates and vendored static assets over the facade."""
