"""Test support shared by several test folders: real servers and PKIs started on loopback, data generators."""
