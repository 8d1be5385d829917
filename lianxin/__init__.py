"""Lianxin (连心): the platform of a community police station and its partners."""
