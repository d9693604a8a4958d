pub mod scripted_server;
