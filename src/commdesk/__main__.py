from commdesk.cli import main

raise SystemExit(main())
