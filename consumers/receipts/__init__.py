"""Receipts: what recipients sign about their deliveries, and the hub's tracker of them."""
