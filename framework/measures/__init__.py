"""Measures that matter: proposals, prioritisation rounds, editing the measures, agreed framework versions and the history."""
