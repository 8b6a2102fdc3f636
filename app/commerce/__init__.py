"""Commerce: the assistant's verbs (pin, coupons, flash sales, prices, stock), validated, then published."""
