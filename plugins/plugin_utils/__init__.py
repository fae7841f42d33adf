"""Controller-side Python of hisops (results store, reports): not shipped to managed hosts."""
