"""Datacenter and cluster planning: sites, racks, fabrics, capex and capacity."""
