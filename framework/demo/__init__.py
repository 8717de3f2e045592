"""The demo system, built deterministically from every capability so a newcomer sees every page populated."""
