"""fupin-desktop: offline 扶贫建档立卡 program for township poverty-alleviation offices."""

__version__ = "0.1.0"
#: The folder name of the program's data and log folders (platformdirs).
APP_NAME = "fupin-desktop"
