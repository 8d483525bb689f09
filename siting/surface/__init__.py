"""The suitability surface: H3 cells scored like candidates, and sites and regions chosen on it."""
