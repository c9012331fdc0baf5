"""Console pages: the dispatcher desk, the hotline desk, the technician's
phone pages and the order page. Views parse input, call the services of the
apps below and render; they hold no business rules."""
