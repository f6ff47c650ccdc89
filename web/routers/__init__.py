"""The web pages, one router per page: sign-in, home and docs, public status, counter, dossier, vault, statistics.

Each page calls the API's route functions and the vault door, so the same authorisation rules apply.
"""
