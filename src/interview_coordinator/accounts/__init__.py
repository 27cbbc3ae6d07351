"""Optional JWT authentication endpoints, rate limits and the security log."""
