"""Maintenance scripts (seed generation); a package so that the tests import them."""
