"""The same job as bandmated's swing setter, as a python-osc user would write it: a UDP server
that checks `/bandmate/groove/swing PERCENT` (a number in 50..75) and answers the sender with
the accepted value, or with `/bandmate/error ADDRESS TEXT`. The benchmark times it beside
bandmated. Prints its port, then serves until killed.
"""

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_server import BlockingOSCUDPServer


def main():
    server = None

    def reply(client, address, args):
        b = OscMessageBuilder(address=address)
        for a in args:
            b.add_arg(a)
        server.socket.sendto(b.build().dgram, client)

    def swing(client, address, *args):
        if len(args) == 1 and isinstance(args[0], (int, float)) and 50 <= args[0] <= 75:
            reply(client, address, [float(args[0])])
        else:
            reply(client, "/bandmate/error", [address, "swing: percent must be a number in 50..75"])

    def unknown(client, address, *args):
        reply(client, "/bandmate/error", [address, f"unknown address '{address}'"])

    d = Dispatcher()
    d.map("/bandmate/groove/swing", swing, needs_reply_address=True)
    d.set_default_handler(unknown, needs_reply_address=True)
    server = BlockingOSCUDPServer(("127.0.0.1", 0), d)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
