"""What every page shares: templates, CSRF, paging, forms and the request's database session."""
