"""Parts of pages that are drawn in one place and kept out of the page files to keep them short."""
