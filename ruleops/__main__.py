from ruleops.cli import main

raise SystemExit(main())
