import signal
import sys

from .cli import main

code = main()
# A Ctrl-C while the interpreter exits (joining threads) would make it die by SIGINT whatever
# main returned: the exit code is main's.
signal.signal(signal.SIGINT, signal.SIG_IGN)
sys.exit(code)
