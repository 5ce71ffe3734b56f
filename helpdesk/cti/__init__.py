"""Telephony (CTI): call events from the PBX bridge, caller matching, screen-pop."""
