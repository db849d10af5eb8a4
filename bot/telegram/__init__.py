"""The Telegram front end (python-telegram-bot): wiring in app.py, one handler per user action in
handlers.py and inline.py, sending in send.py, button data in callbacks.py, HTML in html.py.

Nothing is imported here, so `bot.telegram.html` can be used without loading python-telegram-bot.
"""
