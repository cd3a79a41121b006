"""Notifications: what to send (decide), the outbox rows, and delivery to each channel."""
