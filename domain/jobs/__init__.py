"""v2 jobs: decisions on incoming events, analyst feedback, trainings and knowledge bases."""
