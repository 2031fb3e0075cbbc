import sys

from agentsh.main import main

sys.exit(main())
