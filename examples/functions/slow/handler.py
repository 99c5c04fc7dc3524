import subprocess
import time


def handler(event, context):
    # A child that ignores SIGTERM: the timeout must kill it all the same.
    subprocess.Popen(["sh", "-c", "trap '' TERM; sleep 600"])
    print(f"sleeping past the timeout ({context.get_remaining_time_in_millis()} ms left)")
    time.sleep(60)
    return "never"
