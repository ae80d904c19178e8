"""Deterministic demo data (see shequ.demo.generator and ``manage.py demo_seed``)."""
