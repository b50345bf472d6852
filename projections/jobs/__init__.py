"""The v2 jobs read model: jobs, their events with consensus, knowledge bases and counts."""
