"""The users `make_foreign_users` creates, their tokens, passwords and notes, and the rooms
(no Django imports)."""

ALICE_TOKEN = "alice-foreign-token-0123456789"
BOB_TOKEN = "bob-foreign-token-0123456789"
USERS = {"alice": ALICE_TOKEN, "bob": BOB_TOKEN}
ROOMS = ("lobby", "kitchen")
PASSWORDS = {"alice": "alice-foreign-password", "bob": "bob-foreign-password"}
NOTES = {"alice": ("buy milk", "call bob"), "bob": ("water the plants",)}
