"""Files that become inbound events: JSON Lines input and the hotel booking data set."""
