"""Template filters every page uses: locale-aware money and country names."""
