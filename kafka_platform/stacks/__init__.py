"""Stacks compose constructs from configuration; they hold no logic of their own."""
