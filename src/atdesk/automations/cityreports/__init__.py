"""City reports: filing Open311 service requests and polling their status."""
