"""What operators read: Prometheus queries and the ``corridor status`` overview."""
