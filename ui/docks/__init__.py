"""The console's docks: comments, products / run sheet, coupons & flash sales, sales graphs."""
