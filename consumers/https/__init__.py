"""The HTTPS serving the hub-side and agency-side HTTP endpoints share."""
