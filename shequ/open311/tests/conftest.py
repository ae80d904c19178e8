from shequ.portal.tests.conftest import _fresh_cache, _media_in_tmp, world

__all__ = ["_fresh_cache", "_media_in_tmp", "world"]
