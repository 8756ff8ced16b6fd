"""Recalls: the hub's notices for delivered alerts signed with a key after its compromise."""
