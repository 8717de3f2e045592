"""The small core every capability stands on: the store, the model and its vocabulary, roles, the audit trail and the shared exceptions."""
