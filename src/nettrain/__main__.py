from nettrain.cli.app import main

main()
