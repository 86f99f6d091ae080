"""Data: from the files on disk to batches of crops (layout, index and labels, loaders, splits, cache, pipeline)."""
