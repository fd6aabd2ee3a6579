"""Pages and dialogs of the meetings module: 会议记录 (三会一课), 协商议事, 责任清单."""
