"""Files that become inbound events: JSON Lines input, the hotel booking data set, helpdesk exports."""
