"""vnict: Vietnam's provincial ICT and e-government indicators, from portal articles to marts."""
