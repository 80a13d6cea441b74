"""analytics: aging, DSO, CEI, bad-debt ratio, recovery rate, payment behaviour, forecasts."""
